# The ways of running that the spec and wast scripts are checked in (ctest
# labels and test names use these words):
#   interp       the interpreter alone
#   baseline     every function compiled by the baseline compiler first
#   optimizing   every function compiled by the optimizing compiler first
#   jit          baseline first; optimized after 2 counts, on the spot:
#                a call's first loop moves to optimized code by OSR
#   tiered       interpreter -> baseline -> optimized after one count each,
#                racing the background compiler
#   tiered-sync  the same on the spot (--jit-threads=0) at thresholds of 2:
#                a call's first loop header moves the frame from the
#                interpreter to baseline code by OSR, the next one on to
#                optimized code
set(STRATA_TIERS interp baseline optimizing jit tiered tiered-sync)

# The `strata spectest` options of a tier.
function(strata_tier_options tier out)
  if(tier STREQUAL "jit")
    set(_args --tier=jit --opt-threshold=2 --jit-threads=0)
  elseif(tier STREQUAL "tiered")
    set(_args --tier=tiered --jit-threshold=1 --opt-threshold=1)
  elseif(tier STREQUAL "tiered-sync")
    set(_args --tier=tiered --jit-threshold=2 --opt-threshold=2 --jit-threads=0)
  else()
    set(_args --tier=${tier})
  endif()
  set(${out} ${_args} PARENT_SCOPE)
endfunction()
