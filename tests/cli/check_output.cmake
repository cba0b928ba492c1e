# Runs one strata command and checks its exit status and output exactly.
#   cmake -DSTRATA=path -DARGS=a|b|c -DEXIT=N
#         [-DSTDOUT=line1|line2] [-DSTDOUT_REGEX=re] [-DSTDERR_REGEX=re]
#         [-DWORKDIR=dir] -P check_output.cmake
# Lists are '|'-separated because ';' does not survive add_test. STDOUT is
# the exact expected output, one line per item; "<empty>" means no output.

string(REPLACE "|" ";" _args "${ARGS}")
if(NOT DEFINED WORKDIR)
  set(WORKDIR ".")
endif()
execute_process(COMMAND "${STRATA}" ${_args}
                WORKING_DIRECTORY "${WORKDIR}"
                RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)

set(_failures "")
if(NOT "${_rc}" STREQUAL "${EXIT}")
  string(APPEND _failures "exit status: expected ${EXIT}, got ${_rc}\n")
endif()
if(DEFINED STDOUT)
  if(STDOUT STREQUAL "<empty>")
    set(_expected "")
  else()
    string(REPLACE "|" "\n" _expected "${STDOUT}")
    string(APPEND _expected "\n")
  endif()
  if(NOT _out STREQUAL _expected)
    string(APPEND _failures "stdout: expected\n---\n${_expected}---\n")
  endif()
endif()
if(DEFINED STDOUT_REGEX AND NOT _out MATCHES "${STDOUT_REGEX}")
  string(APPEND _failures "stdout does not match /${STDOUT_REGEX}/\n")
endif()
if(DEFINED STDERR_REGEX AND NOT _err MATCHES "${STDERR_REGEX}")
  string(APPEND _failures "stderr does not match /${STDERR_REGEX}/\n")
endif()

if(_failures)
  message(FATAL_ERROR "strata ${_args}\n${_failures}"
                      "actual stdout:\n---\n${_out}---\nactual stderr:\n---\n${_err}---")
endif()
