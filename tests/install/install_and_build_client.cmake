# Script mode (cmake -P) body of the install/find-package test; see
# CMakeLists.txt beside it. Every step starts from scratch so a stale prefix
# can never make the test pass.
#
# It installs the build into PREFIX, then builds and runs, against the
# installed tree only:
#   - the C++ client (tests/install/client) through find_package(Strata),
#     static and shared;
#   - the C client (the multi-module sample's main.c, a plain C project)
#     through find_package(Strata) with the static and with the shared
#     library, and with `cc` and pkg-config (strata, strata-static);
#   - a client of wasm.h (tests/wasm_c_api/examples.c), and a file using
#     both headers (tests/unit/header_pair.c) linked with libstrata.so.

function(run step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test: ${step} failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${PREFIX}" "${CLIENT_BINARY_DIR}" "${C_CLIENT_BINARY_DIR}")

set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
run("cmake --install" ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${PREFIX}" ${config_args})

# Only the public APIs may be installed (the C++ API, the WAMR-style C API
# and the standard C API): internal headers would let embedders depend on classes that change
# without notice.
file(GLOB_RECURSE headers RELATIVE "${PREFIX}/include" "${PREFIX}/include/*")
list(SORT headers)
if(NOT headers STREQUAL "strata/strata.hpp;wasm.h;wasm_export.h")
  message(FATAL_ERROR "install test: expected only strata/strata.hpp, wasm.h and wasm_export.h under include/, got: ${headers}")
endif()

# Both libraries, the shared one with its versioned names, and the
# pkg-config files.
foreach(f ${LIBDIR}/libstrata.a ${LIBDIR}/libstrata.so ${LIBDIR}/libstrata.so.${SOVERSION}
          ${LIBDIR}/pkgconfig/strata.pc ${LIBDIR}/pkgconfig/strata-static.pc)
  if(NOT EXISTS "${PREFIX}/${f}")
    message(FATAL_ERROR "install test: ${f} is not installed")
  endif()
endforeach()

set(build_type Release)
if(CONFIG)
  set(build_type "${CONFIG}")
endif()

# The package must have come from the scratch prefix, not from some other
# Strata on the machine.
function(check_found_in_prefix binary_dir)
  file(STRINGS "${binary_dir}/CMakeCache.txt" strata_dir REGEX "^Strata_DIR:")
  string(FIND "${strata_dir}" "${PREFIX}/" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "install test: Strata found outside ${PREFIX}: ${strata_dir}")
  endif()
endfunction()

function(find_client out name binary_dir)
  find_program(client_${name} ${name} PATHS "${binary_dir}" "${binary_dir}/${build_type}" NO_DEFAULT_PATH
               NO_CACHE)
  if(NOT client_${name})
    message(FATAL_ERROR "install test: ${name} was not built in ${binary_dir}")
  endif()
  set(${out} "${client_${name}}" PARENT_SCOPE)
endfunction()

# Whether `binary` loads libstrata.so (shared) or carries the library in
# itself (static).
function(check_linkage binary shared)
  execute_process(COMMAND readelf -d "${binary}" OUTPUT_VARIABLE dyn RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    return()  # no readelf: nothing to check
  endif()
  string(FIND "${dyn}" "libstrata.so" at)
  if(shared AND at EQUAL -1)
    message(FATAL_ERROR "install test: ${binary} does not load libstrata.so")
  elseif(NOT shared AND NOT at EQUAL -1)
    message(FATAL_ERROR "install test: ${binary} loads libstrata.so, expected the static library")
  endif()
endfunction()

# The C client prints the six lines of the multi-module sample.
function(check_c_client step binary)
  run("${step}: running" ${CMAKE_COMMAND} -E env "LD_LIBRARY_PATH=${PREFIX}/${LIBDIR}" "${binary}" "${SAMPLE_WASM_DIR}")
  foreach(line "call \"C\", it will return 0xc:i32, ===> 0xc:i32"
               "call \"call_B\", it will return 0xb:i32, ===> 0xb:i32"
               "call \"$mB$call_A\", it will return 0xa:i32, ===> 0xa:i32"
               "call \"$mA$A\", it will return 0xa:i32, ===> 0xa:i32")
    string(FIND "${last_output}" "${line}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "install test: ${step}: output lacks '${line}':\n${last_output}")
    endif()
  endforeach()
  message(STATUS "install test: ${step}: ok")
endfunction()

# --- the C++ client, CMake package, static and shared (its checks catch
# strata::Error and strata::Trap thrown inside the library) ---
foreach(lib strata strata_shared)
  set(dir "${CLIENT_BINARY_DIR}/${lib}")
  run("configuring the C++ client (${lib})"
    ${CMAKE_COMMAND} -S "${CLIENT_SOURCE_DIR}" -B "${dir}" -G "${GENERATOR}"
      "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
      "-DCMAKE_BUILD_TYPE=${build_type}"
      "-DCMAKE_PREFIX_PATH=${PREFIX}"
      "-DSTRATA_LIBRARY=${lib}"
      "-DCMAKE_CXX_FLAGS=${CLIENT_FLAGS}"
      "-DCMAKE_EXE_LINKER_FLAGS=${CLIENT_FLAGS}")
  check_found_in_prefix("${dir}")
  run("building the C++ client (${lib})" ${CMAKE_COMMAND} --build "${dir}" ${config_args})
  find_client(client strata_client "${dir}")
  run("running the C++ client (${lib})" "${client}")
  message(STATUS "install test: C++ client (CMake, ${lib}): ok")
endforeach()

# --- the C client, CMake package, static and shared ---
foreach(lib strata strata_shared)
  set(dir "${C_CLIENT_BINARY_DIR}/cmake-${lib}")
  run("configuring the C client (${lib})"
    ${CMAKE_COMMAND} -S "${C_CLIENT_SOURCE_DIR}" -B "${dir}" -G "${GENERATOR}"
      "-DCMAKE_C_COMPILER=${C_COMPILER}"
      "-DCMAKE_BUILD_TYPE=${build_type}"
      "-DCMAKE_PREFIX_PATH=${PREFIX}"
      "-DSTRATA_LIBRARY=${lib}"
      "-DCLIENT_SOURCE=${SAMPLE_SOURCE}"
      "-DCMAKE_C_FLAGS=${CLIENT_FLAGS}"
      "-DCMAKE_EXE_LINKER_FLAGS=${CLIENT_FLAGS}")
  check_found_in_prefix("${dir}")
  run("building the C client (${lib})" ${CMAKE_COMMAND} --build "${dir}" ${config_args})
  find_client(client strata_c_client "${dir}")
  if(lib STREQUAL "strata_shared")
    check_linkage("${client}" TRUE)
  else()
    check_linkage("${client}" FALSE)
  endif()
  check_c_client("C client (CMake, ${lib})" "${client}")
endforeach()

# --- the C client, cc and pkg-config, shared and static ---
find_program(PKG_CONFIG pkg-config)
if(NOT PKG_CONFIG)
  message(FATAL_ERROR "install test: pkg-config not found (scripts/setup.sh installs it)")
endif()
foreach(pc strata strata-static)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env "PKG_CONFIG_PATH=${PREFIX}/${LIBDIR}/pkgconfig"
                          ${PKG_CONFIG} --cflags --libs ${pc}
                  OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test: pkg-config --cflags --libs ${pc} failed")
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  separate_arguments(extra UNIX_COMMAND "${CLIENT_FLAGS}")
  set(binary "${C_CLIENT_BINARY_DIR}/pkg-config-${pc}")
  file(MAKE_DIRECTORY "${C_CLIENT_BINARY_DIR}")
  run("cc with pkg-config ${pc}" ${C_COMPILER} ${extra} -o "${binary}" "${SAMPLE_SOURCE}" ${flags})
  if(pc STREQUAL "strata")
    check_linkage("${binary}" TRUE)
  else()
    check_linkage("${binary}" FALSE)
  endif()
  check_c_client("C client (cc + pkg-config ${pc})" "${binary}")
endforeach()

# --- a client of the standard C API (<wasm.h>), cc and pkg-config ---
# The wasm.h examples program, built against the installed header and
# library only, runs a few of its examples.
foreach(pc strata strata-static)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env "PKG_CONFIG_PATH=${PREFIX}/${LIBDIR}/pkgconfig"
                          ${PKG_CONFIG} --cflags --libs ${pc}
                  OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  separate_arguments(extra UNIX_COMMAND "${CLIENT_FLAGS}")
  set(binary "${C_CLIENT_BINARY_DIR}/wasm-h-${pc}")
  run("cc with pkg-config ${pc} (wasm.h)" ${C_COMPILER} ${extra} -std=c11 -o "${binary}" "${WASM_H_SOURCE}"
      ${flags} -lpthread)
  foreach(example hello callback hostref threads)
    run("wasm.h client (${pc}): ${example}" ${CMAKE_COMMAND} -E env "LD_LIBRARY_PATH=${PREFIX}/${LIBDIR}"
        "${binary}" "${WASM_H_MODULES}" ${example})
  endforeach()
endforeach()

# --- both C APIs in one file, in each include order ---
# tests/unit/header_pair.c against the installed headers, linked into a
# program with libstrata.so: the entry points the headers rename to when
# both are included must be exported by it.
execute_process(COMMAND ${CMAKE_COMMAND} -E env "PKG_CONFIG_PATH=${PREFIX}/${LIBDIR}/pkgconfig"
                        ${PKG_CONFIG} --cflags --libs strata
                OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install test: pkg-config --cflags --libs strata failed")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
separate_arguments(extra UNIX_COMMAND "${CLIENT_FLAGS}")
foreach(order export_first wasm_h_first)
  set(order_flag "")
  if(order STREQUAL "wasm_h_first")
    set(order_flag -DSTRATA_WASM_H_FIRST)
  endif()
  run("both headers (${order})" ${C_COMPILER} ${extra} -std=c99 -Wall -Wextra -pedantic -Werror ${order_flag}
      -DSTRATA_HEADER_PAIR_MAIN -o "${C_CLIENT_BINARY_DIR}/header-pair-${order}" "${HEADER_PAIR_SOURCE}" ${flags})
  message(STATUS "install test: wasm_export.h and wasm.h in one file (${order}), linked with libstrata.so: ok")
endforeach()
