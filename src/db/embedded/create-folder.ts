/**
 * Child process of initialiseInChild: creates a PGlite folder (initdb) beside the target, named
 * after its own pid, tells the parent where, and exits, so that the memory initdb used leaves
 * with it. The parent holds the folder's lock meanwhile and renames the folder into place.
 */
import { PGlite } from '@electric-sql/pglite';
import { pgliteOptions } from './pglite.js';

const target = process.argv[2];
if (!target) {
  process.stderr.write('usage: create-folder <pglite folder>\n');
  process.exit(2);
}
const pgDir = `${target}.new-${process.pid}`;
// The parent died (killed while starting): stop rather than finish a folder nobody will rename.
process.on('disconnect', () => process.exit(1));
try {
  const pg = await PGlite.create(pgliteOptions(pgDir));
  await pg.close();
  process.send?.({ created: pgDir }, () => process.exit(0));
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
