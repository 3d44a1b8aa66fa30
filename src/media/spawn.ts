import { spawn } from 'node:child_process';

export class ToolTimeout extends Error {
  constructor(command: string, ms: number) {
    super(`${command} did not finish within ${ms} ms`);
    this.name = 'ToolTimeout';
  }
}

/**
 * Runs a local tool with input on stdin, a time limit (SIGKILL after it: a hostile file cannot stall a worker) and a
 * cap on what it may print. Resolves with stdout; rejects on a non-zero exit, a timeout or too much output.
 */
export function runTool(command: string, args: string[], options: { input?: Buffer; timeoutMs: number; maxOutput?: number; env?: NodeJS.ProcessEnv }): Promise<Buffer> {
  const maxOutput = options.maxOutput ?? 8 * 1024 * 1024;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let settled = false;
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        child.kill('SIGKILL');
        reject(error);
      } else resolvePromise(Buffer.concat(chunks));
    };
    const timer = setTimeout(() => finish(new ToolTimeout(command, options.timeoutMs)), options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxOutput) finish(new Error(`${command} printed more than ${maxOutput} bytes`));
      else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => finish(error));
    child.on('close', (code, signal) => {
      if (code === 0) finish(null);
      else finish(new Error(`${command} exited with ${code ?? signal}: ${stderr.trim().slice(0, 300)}`));
    });
    // A tool that exits before reading all its input closes the pipe: that is reported by its exit code.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? Buffer.alloc(0));
  });
}
