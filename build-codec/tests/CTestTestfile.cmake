# CMake generated Testfile for 
# Source directory: /work/main/tests
# Build directory: /work/main/build-codec/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[broker_start]=] "/work/main/tests/integration/broker.sh" "start" "/work/main/build-codec/src/server/polymq" "/work/main/build-codec/tests/broker" "35672")
set_tests_properties([=[broker_start]=] PROPERTIES  FIXTURES_SETUP "broker" LABELS "integration" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;7;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[broker_stop]=] "/work/main/tests/integration/broker.sh" "stop" "/work/main/build-codec/tests/broker")
set_tests_properties([=[broker_stop]=] PROPERTIES  FIXTURES_CLEANUP "broker" LABELS "integration" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;10;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[pika_suite]=] "/usr/bin/python3" "-m" "pytest" "-q" "-p" "no:cacheprovider" "/work/main/tests/integration/pika")
set_tests_properties([=[pika_suite]=] PROPERTIES  ENVIRONMENT "AMQP_HOST=127.0.0.1;AMQP_PORT=35672" FIXTURES_REQUIRED "broker" LABELS "integration" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;14;add_test;/work/main/tests/CMakeLists.txt;23;polymq_integration_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[bad_input_suite]=] "/usr/bin/python3" "-m" "pytest" "-q" "-p" "no:cacheprovider" "/work/main/tests/integration/badinput")
set_tests_properties([=[bad_input_suite]=] PROPERTIES  ENVIRONMENT "AMQP_HOST=127.0.0.1;AMQP_PORT=35672" FIXTURES_REQUIRED "broker" LABELS "integration" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;14;add_test;/work/main/tests/CMakeLists.txt;26;polymq_integration_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[amqp_tools_suite]=] "bash" "/work/main/tests/integration/amqp_tools/run.sh")
set_tests_properties([=[amqp_tools_suite]=] PROPERTIES  ENVIRONMENT "AMQP_HOST=127.0.0.1;AMQP_PORT=35672" FIXTURES_REQUIRED "broker" LABELS "integration" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;14;add_test;/work/main/tests/CMakeLists.txt;29;polymq_integration_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[java_client_suite]=] "bash" "/work/main/tests/integration/java/run.sh")
set_tests_properties([=[java_client_suite]=] PROPERTIES  ENVIRONMENT "AMQP_HOST=127.0.0.1;AMQP_PORT=35672" FIXTURES_REQUIRED "broker" LABELS "integration" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;14;add_test;/work/main/tests/CMakeLists.txt;32;polymq_integration_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[amqplib_suite]=] "bash" "/work/main/tests/integration/node/run.sh")
set_tests_properties([=[amqplib_suite]=] PROPERTIES  ENVIRONMENT "AMQP_HOST=127.0.0.1;AMQP_PORT=35672" FIXTURES_REQUIRED "broker" LABELS "integration" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;14;add_test;/work/main/tests/CMakeLists.txt;35;polymq_integration_test;/work/main/tests/CMakeLists.txt;0;")
