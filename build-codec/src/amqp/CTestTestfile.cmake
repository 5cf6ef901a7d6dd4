# CMake generated Testfile for 
# Source directory: /work/main/src/amqp
# Build directory: /work/main/build-codec/src/amqp
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build-codec/src/amqp/amqp_session_test[1]_include.cmake")
subdirs("codec")
