/* vm: a small bytecode interpreter (a stack machine with locals, jumps,
 * calls and returns, dispatched by a switch) running three programs:
 * counting primes by trial division, summing Collatz sequence lengths and
 * recursive Fibonacci. Measures what an interpreter inside wasm costs: an
 * indirect branch per instruction, small loads and stores, a hot loop the
 * compiler cannot see through. */
#include "bench.h"

enum {
  HALT, PUSH, LD, ST, ADD, SUB, MUL, DIVU, REMU, LT, LE, EQ, AND, SHR1, JZ, JNZ, JMP, INC, CALL, RET, DUP, POP
};

#define MAX_CODE 256
#define MAX_STACK 1024
#define MAX_FRAMES 256
#define NLOCALS 8

typedef struct {
  int32_t code[MAX_CODE];
  int32_t len;
} Program;

static void emit(Program* p, int32_t op) { p->code[p->len++] = op; }
static void emit1(Program* p, int32_t op, int32_t arg) {
  emit(p, op);
  emit(p, arg);
}
static int32_t here(const Program* p) { return p->len; }
/* A forward jump: returns the operand's index, patched with patch(). */
static int32_t jump(Program* p, int32_t op) {
  emit1(p, op, -1);
  return p->len - 1;
}
static void patch(Program* p, int32_t at) { p->code[at] = p->len; }

/* Runs p with locals[0] = arg; returns the top of the stack at HALT. */
static int32_t execute(const Program* p, int32_t arg) {
  int32_t stack[MAX_STACK];
  int32_t locals[MAX_FRAMES * NLOCALS];
  int32_t ret_pc[MAX_FRAMES];
  int32_t sp = 0, fp = 0, depth = 0, pc = 0;
  for (int i = 0; i < NLOCALS; ++i) locals[i] = 0;
  locals[0] = arg;
  const int32_t* code = p->code;
  for (;;) {
    int32_t op = code[pc++];
    switch (op) {
      case HALT:
        return stack[sp - 1];
      case PUSH:
        stack[sp++] = code[pc++];
        break;
      case LD:
        stack[sp++] = locals[fp + code[pc++]];
        break;
      case ST:
        locals[fp + code[pc++]] = stack[--sp];
        break;
      case ADD: --sp; stack[sp - 1] += stack[sp]; break;
      case SUB: --sp; stack[sp - 1] -= stack[sp]; break;
      case MUL: --sp; stack[sp - 1] *= stack[sp]; break;
      case DIVU: --sp; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] / (uint32_t)stack[sp]); break;
      case REMU: --sp; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] % (uint32_t)stack[sp]); break;
      case LT: --sp; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
      case LE: --sp; stack[sp - 1] = stack[sp - 1] <= stack[sp]; break;
      case EQ: --sp; stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
      case AND: --sp; stack[sp - 1] &= stack[sp]; break;
      case SHR1: stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] >> 1); break;
      case JZ: {
        int32_t target = code[pc++];
        if (stack[--sp] == 0) pc = target;
        break;
      }
      case JNZ: {
        int32_t target = code[pc++];
        if (stack[--sp] != 0) pc = target;
        break;
      }
      case JMP:
        pc = code[pc];
        break;
      case INC:
        ++locals[fp + code[pc++]];
        break;
      case CALL: { /* one argument, from the stack into the callee's local 0 */
        int32_t target = code[pc++];
        ret_pc[depth++] = pc;
        fp += NLOCALS;
        for (int i = 0; i < NLOCALS; ++i) locals[fp + i] = 0;
        locals[fp] = stack[--sp];
        pc = target;
        break;
      }
      case RET:
        fp -= NLOCALS;
        pc = ret_pc[--depth];
        break;
      case DUP:
        stack[sp] = stack[sp - 1];
        ++sp;
        break;
      case POP:
        --sp;
        break;
    }
  }
}

/* primes(limit): the number of primes below limit, by trial division.
 * locals: 0 limit, 1 i, 2 j, 3 count, 4 isprime */
static void build_primes(Program* p) {
  emit1(p, PUSH, 2); emit1(p, ST, 1);
  int32_t loop_i = here(p);
  emit1(p, LD, 1); emit1(p, LD, 0); emit(p, LT);
  int32_t done = jump(p, JZ);
  emit1(p, PUSH, 2); emit1(p, ST, 2);
  emit1(p, PUSH, 1); emit1(p, ST, 4);
  int32_t loop_j = here(p);
  emit1(p, LD, 2); emit1(p, LD, 2); emit(p, MUL); emit1(p, LD, 1); emit(p, LE);
  int32_t end_j = jump(p, JZ);
  emit1(p, LD, 1); emit1(p, LD, 2); emit(p, REMU);
  int32_t not_divisor = jump(p, JNZ);
  emit1(p, PUSH, 0); emit1(p, ST, 4);
  int32_t end_j2 = jump(p, JMP);
  patch(p, not_divisor);
  emit1(p, INC, 2);
  emit1(p, JMP, loop_j);
  patch(p, end_j);
  patch(p, end_j2);
  emit1(p, LD, 3); emit1(p, LD, 4); emit(p, ADD); emit1(p, ST, 3);
  emit1(p, INC, 1);
  emit1(p, JMP, loop_i);
  patch(p, done);
  emit1(p, LD, 3);
  emit(p, HALT);
}

/* collatz(limit): total steps of the Collatz sequences of 1..limit-1.
 * locals: 0 limit, 1 k, 2 x, 3 steps */
static void build_collatz(Program* p) {
  emit1(p, PUSH, 1); emit1(p, ST, 1);
  int32_t loop_k = here(p);
  emit1(p, LD, 1); emit1(p, LD, 0); emit(p, LT);
  int32_t done = jump(p, JZ);
  emit1(p, LD, 1); emit1(p, ST, 2);
  int32_t loop_x = here(p);
  emit1(p, LD, 2); emit1(p, PUSH, 1); emit(p, EQ);
  int32_t next_k = jump(p, JNZ);
  emit1(p, INC, 3);
  emit1(p, LD, 2); emit1(p, PUSH, 1); emit(p, AND);
  int32_t odd = jump(p, JNZ);
  emit1(p, LD, 2); emit(p, SHR1); emit1(p, ST, 2);
  emit1(p, JMP, loop_x);
  patch(p, odd);
  emit1(p, LD, 2); emit1(p, PUSH, 3); emit(p, MUL); emit1(p, PUSH, 1); emit(p, ADD); emit1(p, ST, 2);
  emit1(p, JMP, loop_x);
  patch(p, next_k);
  emit1(p, INC, 1);
  emit1(p, JMP, loop_k);
  patch(p, done);
  emit1(p, LD, 3);
  emit(p, HALT);
}

/* fib(n) by naive recursion through CALL/RET. */
static void build_fib(Program* p) {
  int32_t call_main = jump(p, JMP);
  int32_t fib = here(p);
  emit1(p, LD, 0); emit1(p, PUSH, 2); emit(p, LT);
  int32_t recurse = jump(p, JZ);
  emit1(p, LD, 0);
  emit(p, RET);
  patch(p, recurse);
  emit1(p, LD, 0); emit1(p, PUSH, 1); emit(p, SUB); emit1(p, CALL, fib);
  emit1(p, LD, 0); emit1(p, PUSH, 2); emit(p, SUB); emit1(p, CALL, fib);
  emit(p, ADD);
  emit(p, RET);
  patch(p, call_main);
  emit1(p, LD, 0);
  emit1(p, CALL, fib);
  emit(p, HALT);
}

static uint64_t run(uint32_t n) {
  Program primes = {{0}, 0}, collatz = {{0}, 0}, fib = {{0}, 0};
  build_primes(&primes);
  build_collatz(&collatz);
  build_fib(&fib);
  uint64_t h = 0;
  for (uint32_t rep = 0; rep < n; ++rep) {
    h = mix64(h, (uint32_t)execute(&primes, 8000 + (int32_t)rep));
    h = mix64(h, (uint32_t)execute(&collatz, 5000 + (int32_t)rep));
    h = mix64(h, (uint32_t)execute(&fib, 18 + (int32_t)(rep % 3)));
  }
  return h;
}

BENCH_MAIN("vm", 80)
