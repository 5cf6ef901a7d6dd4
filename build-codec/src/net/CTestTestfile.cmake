# CMake generated Testfile for 
# Source directory: /work/main/src/net
# Build directory: /work/main/build-codec/src/net
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
