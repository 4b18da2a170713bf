/**
 * `true` when A and B are the same type (each assignable to the other), else `false`. A runtime
 * schema is pinned to the type it checks with `const check: Same<Static<typeof S>, T> = true`, so
 * the two cannot drift apart without a compile error.
 */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
