import { runCli } from './program.js';

// `sopbot case list | head -3`: the reader has gone and the rest is not wanted, which is no
// error. The command still runs to its end (the database is closed, the lock let go) and exits
// with its own code; only the writing stops.
let readerGone = false;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    readerGone = true;
  });
}
const writer = (stream: NodeJS.WriteStream) => (text: string) => {
  if (!readerGone) stream.write(`${text}\n`);
};

// The service's own warnings (a stale lock taken over) are sentences for the admin: printed as
// such, without Node's "(node:PID) [CODE] Warning:" around them.
process.removeAllListeners('warning');
process.on('warning', (w: Error & { code?: string }) => {
  process.stderr.write(w.code?.startsWith('SOPBOT_') ? `${w.message}\n` : `${w.name}: ${w.message}\n`);
});

process.exitCode = await runCli(process.argv.slice(2), { out: writer(process.stdout), err: writer(process.stderr) });
