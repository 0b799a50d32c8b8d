/** Makes the migrated PGlite folder every PGlite benchmark copies; prints the server version inside. */
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/db/database.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: template.ts <dir>');
const database = await openDatabase({ dataDir: dir });
const result = (await database.db.execute(sql`select version() as v`)) as unknown as { rows: { v: string }[] };
console.log(JSON.stringify({ version: result.rows[0]!.v }));
await database.close();
