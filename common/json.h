/* common/json.h - guards shared by the toolkit's JSON readers (configs, blocks, txs).
 *
 * cJSON parses recursively; hostile input ("[[[[...") must be refused before it
 * reaches the parser, with a limit far below any stack trouble. Thread-safe, no state.
 */
#ifndef COMMON_JSON_H
#define COMMON_JSON_H

#include <stddef.h>

/* 1 if the JSON text s[0..len) opens more than max_depth nested arrays/objects
 * at any point (brackets inside strings are not counted), else 0. Linear, no
 * allocation; the text need not be valid JSON. */
int common_json_too_deep(const char *s, size_t len, int max_depth);

#endif /* COMMON_JSON_H */
