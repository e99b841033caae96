/* tests/vectors/pouw_env_v1_vectors.h - version 1's generated environments (pouw.md s3),
 * computed in Python (hashlib, CPython's random) by tests/vectors/make_pouw_env_vectors.py
 * as it was at commit ce87a45, before s11.11's equal-cost generator replaced it; the
 * entries are that commit's pv_envs, unchanged. They pin pouw_env_generate_v1, which
 * the experiments' v1-style environments use. Do not edit. */
#ifndef POUW_ENV_V1_VECTORS_H
#define POUW_ENV_V1_VECTORS_H

#include "tests/vectors/pouw_env_vectors.h" /* pv_env */

static const pv_env pv_envs_v1[] = {
    {"a61076d24e06812cf87323f63e54f70e3571ba8fac16dd691db121289520cf94", 0, 7200.0, 30.0, "periodic",
     "c9ad46c21eeb76f9101162ed4a3396bdf56587b8f7812a27754aeaef3fa376f0",
     "963d676169a6f3eabe19890ac24311f0c2ff2c19430eda80691a372f6b783879",
     58, 129, 160, 220, {5, 0, 4, 0, 0, 0, 4, 3}, 0,
     "{\"case_id\":\"s0\",\"seed\":\"c9ad46c21eeb76f9101162ed4a3396bdf56587b8f7812a27754aeaef3fa376f0\",\"seed_kind\":\"hex256\",\"start_time\":0,\"end_time\":7200,\"trader_spec\":{\"buyers\":[[\"GVWY\",5,null],[\"SHVR\",4,null],[\"PRSH\",4,{\"k\":4,\"s_min\":-1,\"s_max\":1}],[\"PRDE\",3,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"sellers\":[[\"GVWY\",5,null],[\"SHVR\",4,null],[\"PRSH\",4,{\"k\":4,\"s_min\":-1,\"s_max\":1}],[\"PRDE\",3,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"proptraders\":[]},\"order_schedule\":{\"sup\":[{\"from\":0,\"to\":7200,\"ranges\":[[58,129]],\"stepmode\":\"fixed\"}],\"dem\":[{\"from\":0,\"to\":7200,\"ranges\":[[160,220]],\"stepmode\":\"fixed\"}],\"interval\":30,\"timemode\":\"periodic\"},\"dump_flags\":{\"dump_blotters\":false,\"dump_lobs\":false,\"dump_strats\":false,\"dump_avgbals\":false,\"dump_tape\":true}}",
     "7a073c9c496154b5555071eaff201027b13c3bd128424f43b04b504109a5c99a"},
    {"0a706c27f1a900f448b68f8810c7046a57aeeb68e6e3703b9774ebec15f3bd6e", 1, 60.0, 10.0, "drip-poisson",
     "0ca848be5c7a26a4cc7edca629fc767c040f51cb8d515d30c03824c1582bf855",
     "2687a6554c9139944b457afdc36d486d1b0de730949e49084fdb7c5ff85ba09d",
     28, 128, 189, 196, {0, 0, 0, 0, 0, 5, 0, 3}, 0,
     "{\"case_id\":\"s1\",\"seed\":\"0ca848be5c7a26a4cc7edca629fc767c040f51cb8d515d30c03824c1582bf855\",\"seed_kind\":\"hex256\",\"start_time\":0,\"end_time\":60,\"trader_spec\":{\"buyers\":[[\"PRZI\",5,{\"s_min\":-1,\"s_max\":1}],[\"PRDE\",3,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"sellers\":[[\"PRZI\",5,{\"s_min\":-1,\"s_max\":1}],[\"PRDE\",3,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"proptraders\":[]},\"order_schedule\":{\"sup\":[{\"from\":0,\"to\":60,\"ranges\":[[28,128]],\"stepmode\":\"fixed\"}],\"dem\":[{\"from\":0,\"to\":60,\"ranges\":[[189,196]],\"stepmode\":\"fixed\"}],\"interval\":10,\"timemode\":\"drip-poisson\"},\"dump_flags\":{\"dump_blotters\":false,\"dump_lobs\":false,\"dump_strats\":false,\"dump_avgbals\":false,\"dump_tape\":true}}",
     "d83584768614b997247b4c2ff51c06af45b95f447474b4efba2bf6cc858859b0"},
    {"3710319c843ec3ce81e8cfacef4cf8a2720333b8c376e6cca882049dee909005", 2, 600.5, 7.25, "drip-jitter",
     "a0e6f7ac6da771d8ee60b60618b28ec1ac37ed221e19fd2e8eea9d0ea9cc5158",
     "155522f1025966519146ff825957dd505f4ec88766b5fb34cac4315373a6c1ce",
     56, 90, 136, 163, {4, 8, 0, 0, 7, 0, 5, 9}, 0,
     "{\"case_id\":\"s2\",\"seed\":\"a0e6f7ac6da771d8ee60b60618b28ec1ac37ed221e19fd2e8eea9d0ea9cc5158\",\"seed_kind\":\"hex256\",\"start_time\":0,\"end_time\":600.5,\"trader_spec\":{\"buyers\":[[\"GVWY\",4,null],[\"ZIC\",8,null],[\"ZIP\",7,null],[\"PRSH\",5,{\"k\":4,\"s_min\":-1,\"s_max\":1}],[\"PRDE\",9,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"sellers\":[[\"GVWY\",4,null],[\"ZIC\",8,null],[\"ZIP\",7,null],[\"PRSH\",5,{\"k\":4,\"s_min\":-1,\"s_max\":1}],[\"PRDE\",9,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"proptraders\":[]},\"order_schedule\":{\"sup\":[{\"from\":0,\"to\":600.5,\"ranges\":[[56,90]],\"stepmode\":\"fixed\"}],\"dem\":[{\"from\":0,\"to\":600.5,\"ranges\":[[136,163]],\"stepmode\":\"fixed\"}],\"interval\":7.25,\"timemode\":\"drip-jitter\"},\"dump_flags\":{\"dump_blotters\":false,\"dump_lobs\":false,\"dump_strats\":false,\"dump_avgbals\":false,\"dump_tape\":true}}",
     "b078ef15953c79872310131721296a8aa0dbadf7294d346ad7df0c334839024a"},
    {"070113cf33c828649436db9de481e48debad991263a9b920a32960a0c72743ab", 3, 7200.0, 30.0, "periodic",
     "85725ed748c164dc91f80557e918995e457f9fb767a745cd4a8403fb9ac8ca23",
     "5046065a52b7257d020bc04527a7c8e4e859144a84d14ea52a08748f3bb2bf7e",
     56, 146, 187, 275, {0, 0, 0, 9, 10, 0, 9, 10}, 0,
     "{\"case_id\":\"s3\",\"seed\":\"85725ed748c164dc91f80557e918995e457f9fb767a745cd4a8403fb9ac8ca23\",\"seed_kind\":\"hex256\",\"start_time\":0,\"end_time\":7200,\"trader_spec\":{\"buyers\":[[\"SNPR\",9,null],[\"ZIP\",10,null],[\"PRSH\",9,{\"k\":4,\"s_min\":-1,\"s_max\":1}],[\"PRDE\",10,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"sellers\":[[\"SNPR\",9,null],[\"ZIP\",10,null],[\"PRSH\",9,{\"k\":4,\"s_min\":-1,\"s_max\":1}],[\"PRDE\",10,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"proptraders\":[]},\"order_schedule\":{\"sup\":[{\"from\":0,\"to\":7200,\"ranges\":[[56,146]],\"stepmode\":\"fixed\"}],\"dem\":[{\"from\":0,\"to\":7200,\"ranges\":[[187,275]],\"stepmode\":\"fixed\"}],\"interval\":30,\"timemode\":\"periodic\"},\"dump_flags\":{\"dump_blotters\":false,\"dump_lobs\":false,\"dump_strats\":false,\"dump_avgbals\":false,\"dump_tape\":true}}",
     "59d3129226bcd30aefcb7e9a48c7af978be36d3c17c313d4361926bc963061ba"},
    {"f65fd33a352d02729b94e3629d883045483c8977e736bdf1a505f0a8ef2ced1b", 0, 60.0, 10.0, "drip-poisson",
     "845a8ceb091beb0d8ed73e8cc4e5aed82ddfad93282ae8303299c8e44628f5ed",
     "cfcc90693aa9be66f6bd3f93ee1a6c283de7ffd562d48a6ed51faa321a3f86a7",
     50, 140, 197, 231, {0, 0, 5, 0, 0, 0, 0, 6}, 1,
     "{\"case_id\":\"s0\",\"seed\":\"845a8ceb091beb0d8ed73e8cc4e5aed82ddfad93282ae8303299c8e44628f5ed\",\"seed_kind\":\"hex256\",\"start_time\":0,\"end_time\":60,\"trader_spec\":{\"buyers\":[[\"SHVR\",5,null],[\"PRDE\",6,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"sellers\":[[\"SHVR\",5,null],[\"PRDE\",6,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"proptraders\":[]},\"order_schedule\":{\"sup\":[{\"from\":0,\"to\":60,\"ranges\":[[50,140]],\"stepmode\":\"fixed\"}],\"dem\":[{\"from\":0,\"to\":60,\"ranges\":[[197,231]],\"stepmode\":\"fixed\"}],\"interval\":10,\"timemode\":\"drip-poisson\"},\"dump_flags\":{\"dump_blotters\":false,\"dump_lobs\":false,\"dump_strats\":false,\"dump_avgbals\":false,\"dump_tape\":true}}",
     "3ab2b0058987b6c0701e07b9f914d85de0a171ab8f6bb47073ae93c863e106e1"},
    {"67e6d7f7dae441572ae9b508273e2d418b39e21a1a8ff7f5da05243e78b14789", 1, 600.5, 7.25, "drip-jitter",
     "4f7cbfdb3b51a34200d7f93a0c9ce4d44e771141465503d00df5689462a14234",
     "21c6aed44451d77cf3bf1b2e2a5b1275dcc0932a247b8ad3fd76b2ac6df64436",
     37, 147, 175, 228, {0, 9, 2, 10, 10, 0, 8, 0}, 0,
     "{\"case_id\":\"s1\",\"seed\":\"4f7cbfdb3b51a34200d7f93a0c9ce4d44e771141465503d00df5689462a14234\",\"seed_kind\":\"hex256\",\"start_time\":0,\"end_time\":600.5,\"trader_spec\":{\"buyers\":[[\"ZIC\",9,null],[\"SHVR\",2,null],[\"SNPR\",10,null],[\"ZIP\",10,null],[\"PRSH\",8,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"sellers\":[[\"ZIC\",9,null],[\"SHVR\",2,null],[\"SNPR\",10,null],[\"ZIP\",10,null],[\"PRSH\",8,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"proptraders\":[]},\"order_schedule\":{\"sup\":[{\"from\":0,\"to\":600.5,\"ranges\":[[37,147]],\"stepmode\":\"fixed\"}],\"dem\":[{\"from\":0,\"to\":600.5,\"ranges\":[[175,228]],\"stepmode\":\"fixed\"}],\"interval\":7.25,\"timemode\":\"drip-jitter\"},\"dump_flags\":{\"dump_blotters\":false,\"dump_lobs\":false,\"dump_strats\":false,\"dump_avgbals\":false,\"dump_tape\":true}}",
     "60df2a0cb7fd42f0c207fd17d4d30bd7341e7a0f9638c668d617f4b47847c986"},
    {"f97cc183efc2a2708802d6756eecacb7f8a74b614d44264fd8bfed85e50de33f", 0, 60.0, 10.0, "periodic",
     "557de8a7b16f61a2ba43987b74cf88fabc6cc18137d8bde4b290e4a50dc0b6a9",
     "5d1314c33c87824a1cdd994f80667aa2a8f8c6a31f389fa9682397a3f6384728",
     45, 125, 190, 297, {0, 0, 0, 6, 0, 7, 5, 0}, 1,
     "{\"case_id\":\"s0\",\"seed\":\"557de8a7b16f61a2ba43987b74cf88fabc6cc18137d8bde4b290e4a50dc0b6a9\",\"seed_kind\":\"hex256\",\"start_time\":0,\"end_time\":60,\"trader_spec\":{\"buyers\":[[\"SNPR\",6,null],[\"PRZI\",7,{\"s_min\":-1,\"s_max\":1}],[\"PRSH\",5,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"sellers\":[[\"SNPR\",6,null],[\"PRZI\",7,{\"s_min\":-1,\"s_max\":1}],[\"PRSH\",5,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"proptraders\":[]},\"order_schedule\":{\"sup\":[{\"from\":0,\"to\":60,\"ranges\":[[45,125]],\"stepmode\":\"fixed\"}],\"dem\":[{\"from\":0,\"to\":60,\"ranges\":[[190,297]],\"stepmode\":\"fixed\"}],\"interval\":10,\"timemode\":\"periodic\"},\"dump_flags\":{\"dump_blotters\":false,\"dump_lobs\":false,\"dump_strats\":false,\"dump_avgbals\":false,\"dump_tape\":true}}",
     "21a82e6313d71e6c7e3d2e1ce5aaeeef26589e6fcb7f6fbbcf020fc11fec2b50"},
    {"f957127df91a3f197a1d3d68c9bbdb16d5b34af0519181614229de45848da9f3", 0, 60.0, 10.0, "periodic",
     "ad7e41deed2e75e457c5e10760442d21552d398e1224cf52269ae8a65c0d0368",
     "ba193fcfae7be6385ab67a2d1954635f15972f319d16c81581c43efc3dbdf7f5",
     75, 114, 156, 248, {0, 0, 4, 0, 0, 0, 0, 2}, 1,
     "{\"case_id\":\"s0\",\"seed\":\"ad7e41deed2e75e457c5e10760442d21552d398e1224cf52269ae8a65c0d0368\",\"seed_kind\":\"hex256\",\"start_time\":0,\"end_time\":60,\"trader_spec\":{\"buyers\":[[\"SHVR\",4,null],[\"PRDE\",2,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"sellers\":[[\"SHVR\",4,null],[\"PRDE\",2,{\"k\":4,\"s_min\":-1,\"s_max\":1}]],\"proptraders\":[]},\"order_schedule\":{\"sup\":[{\"from\":0,\"to\":60,\"ranges\":[[75,114]],\"stepmode\":\"fixed\"}],\"dem\":[{\"from\":0,\"to\":60,\"ranges\":[[156,248]],\"stepmode\":\"fixed\"}],\"interval\":10,\"timemode\":\"periodic\"},\"dump_flags\":{\"dump_blotters\":false,\"dump_lobs\":false,\"dump_strats\":false,\"dump_avgbals\":false,\"dump_tape\":true}}",
     "b660bb135d023cb258e39565a05d24b2690326dd61a74d91fa7ca85a80a3067b"},
};

#endif /* POUW_ENV_V1_VECTORS_H */
