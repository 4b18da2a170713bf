/** A SQL truth value: SQLite returns 0/1, PostgreSQL returns booleans. */
export type SqlFlag = number | boolean;

export const flag = (value: SqlFlag): boolean => value === true || value === 1;
