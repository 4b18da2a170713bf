/**
 * A serving gateway logs a fault it did not expect and keeps serving: one failing session, socket or
 * background task must not end every operator's session and every auditor's stream with it.
 */
export function keepServingOnFaults(log: (line: string) => void): () => void {
  const describe = (fault: unknown): string =>
    fault instanceof Error ? (fault.stack ?? `${fault.name}: ${fault.message}`) : String(fault);
  const onRejection = (reason: unknown): void =>
    log(`vigil-gateway: unhandled promise rejection (still serving): ${describe(reason)}`);
  const onException = (err: unknown): void =>
    log(`vigil-gateway: uncaught exception (still serving): ${describe(err)}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
