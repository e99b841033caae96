"""pytest setup for python/bsepouw: import from the repository's python/ folder
(make test sets PYTHONPATH and BSEPOUW_LIB; this covers a bare pytest run)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
