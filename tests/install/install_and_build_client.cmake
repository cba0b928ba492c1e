# Script mode (cmake -P) body of the install/find-package test; see
# CMakeLists.txt beside it. Every step starts from scratch so a stale prefix
# can never make the test pass.

function(run step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test: ${step} failed (${rc}): ${ARGN}")
  endif()
endfunction()

file(REMOVE_RECURSE "${PREFIX}" "${CLIENT_BINARY_DIR}")

set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
run("cmake --install" ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${PREFIX}" ${config_args})

# Only the public APIs may be installed (the C++ API and the WAMR-style C
# API): internal headers would let embedders depend on classes that change
# without notice.
file(GLOB_RECURSE headers RELATIVE "${PREFIX}/include" "${PREFIX}/include/*")
list(SORT headers)
if(NOT headers STREQUAL "strata/strata.hpp;wasm_export.h")
  message(FATAL_ERROR "install test: expected only strata/strata.hpp and wasm_export.h under include/, got: ${headers}")
endif()

set(build_type Release)
if(CONFIG)
  set(build_type "${CONFIG}")
endif()
run("configuring the client"
  ${CMAKE_COMMAND} -S "${CLIENT_SOURCE_DIR}" -B "${CLIENT_BINARY_DIR}" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_BUILD_TYPE=${build_type}"
    "-DCMAKE_PREFIX_PATH=${PREFIX}"
    "-DCMAKE_CXX_FLAGS=${CLIENT_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${CLIENT_FLAGS}")

# The package must have come from the scratch prefix, not from some other
# Strata on the machine.
file(STRINGS "${CLIENT_BINARY_DIR}/CMakeCache.txt" strata_dir REGEX "^Strata_DIR:")
string(FIND "${strata_dir}" "${PREFIX}/" at)
if(at EQUAL -1)
  message(FATAL_ERROR "install test: Strata found outside ${PREFIX}: ${strata_dir}")
endif()

run("building the client" ${CMAKE_COMMAND} --build "${CLIENT_BINARY_DIR}" ${config_args})

find_program(client strata_client PATHS "${CLIENT_BINARY_DIR}" "${CLIENT_BINARY_DIR}/${build_type}" NO_DEFAULT_PATH)
if(NOT client)
  message(FATAL_ERROR "install test: strata_client was not built")
endif()
run("running the client" "${client}")
