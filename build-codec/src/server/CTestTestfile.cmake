# CMake generated Testfile for 
# Source directory: /work/main/src/server
# Build directory: /work/main/build-codec/src/server
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
