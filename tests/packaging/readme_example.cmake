# Fails unless the ```c block that follows "<!-- example: examples/decode_example.c -->"
# in README.md is byte-for-byte examples/decode_example.c, so the README's
# example is the one the test suite compiles and runs.
file(READ "${README}" readme)
file(READ "${EXAMPLE}" example)
set(marker "<!-- example: examples/decode_example.c -->\n```c\n")
string(FIND "${readme}" "${marker}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md has no example marker: ${marker}")
endif()
string(LENGTH "${marker}" mlen)
math(EXPR start "${at} + ${mlen}")
string(SUBSTRING "${readme}" ${start} -1 rest)
string(FIND "${rest}" "```" end)
string(SUBSTRING "${rest}" 0 ${end} block)
if(NOT block STREQUAL example)
  message(FATAL_ERROR "README.md's C example differs from ${EXAMPLE}; copy the file into the README")
endif()
message(STATUS "README example matches ${EXAMPLE}")
