# The WAT modules of the multi-module and C API unit tests
# (tests/unit/multi_module_test.cpp, c_api_test.cpp), compiled with wabt's
# wat2wasm into a folder whose path the tests get as STRATA_MULTI_WASM_DIR.
# Without wat2wasm those tests skip themselves.
find_program(STRATA_WAT2WASM wat2wasm DOC "wabt's wat2wasm, compiles the CLI test modules")
if(NOT STRATA_WAT2WASM)
  return()
endif()
file(GLOB _multi_wats CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.wat)
set(_multi_dir ${CMAKE_CURRENT_BINARY_DIR}/multi_wasm)
set(_multi_outputs "")
foreach(_wat IN LISTS _multi_wats)
  get_filename_component(_name ${_wat} NAME_WE)
  add_custom_command(OUTPUT ${_multi_dir}/${_name}.wasm
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_multi_dir}
    COMMAND ${STRATA_WAT2WASM} ${_wat} -o ${_multi_dir}/${_name}.wasm
    DEPENDS ${_wat}
    VERBATIM)
  list(APPEND _multi_outputs ${_multi_dir}/${_name}.wasm)
endforeach()
add_custom_target(multi-test-modules ALL DEPENDS ${_multi_outputs})
add_dependencies(strata_unit_tests multi-test-modules)
target_compile_definitions(strata_unit_tests PRIVATE STRATA_MULTI_WASM_DIR="${_multi_dir}")

# Cross-instance inlining in tiered mode, where optimizing compiles run on
# the background threads with the import slots' functions pinned
# (jit::ImportPins): the result, and --stats saying the calls were inlined.
add_test(NAME cli/inline-imports-tiered
         COMMAND strata-cli run --jit-threshold=1 --opt-threshold=1 --module-path ${_multi_dir}
                 --invoke loop_bump ${_multi_dir}/inl_root.wasm 200000)
set_tests_properties(cli/inline-imports-tiered PROPERTIES LABELS cli PASS_REGULAR_EXPRESSION "^0x50afbc80:i32\n$")
add_test(NAME cli/inline-imports-tiered-stats
         COMMAND strata-cli run --jit-threshold=1 --opt-threshold=1 --stats --module-path ${_multi_dir}
                 --invoke loop_bump ${_multi_dir}/inl_root.wasm 200000)
set_tests_properties(cli/inline-imports-tiered-stats PROPERTIES LABELS cli
                     PASS_REGULAR_EXPRESSION "jit: optimized: [1-9][0-9]* call sites inlined, [1-9][0-9]* of them across import slots")
