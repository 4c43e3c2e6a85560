/**
 * Appends the gateway's JSON log lines to `lines`, taken from stderr while a test file's gateway
 * runs (everything else on stderr still goes through); returns the way to put stderr back.
 */
export function captureLogLines(lines: string[]): () => void {
  const originalWrite = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.startsWith('{"level"')) {
      lines.push(...text.split('\n').filter(Boolean));
      return true;
    }
    return (originalWrite as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  return () => {
    process.stderr.write = originalWrite;
  };
}
