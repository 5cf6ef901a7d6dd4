# CMake generated Testfile for 
# Source directory: /work/main/src/amqp/codec
# Build directory: /work/main/build-codec/src/amqp/codec
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build-codec/src/amqp/codec/amqp_codec_test[1]_include.cmake")
add_test([=[amqp_codegen_up_to_date]=] "/root/.pyenv/shims/python3" "/work/main/tools/codegen/amqp_codegen.py" "--spec" "/work/main/../shared/specs/amqp-0-9-1/amqp-rabbitmq-0.9.1.json" "--out" "/work/main/src/amqp/codec/generated" "--check")
set_tests_properties([=[amqp_codegen_up_to_date]=] PROPERTIES  LABELS "unit" _BACKTRACE_TRIPLES "/work/main/src/amqp/codec/CMakeLists.txt;29;add_test;/work/main/src/amqp/codec/CMakeLists.txt;0;")
