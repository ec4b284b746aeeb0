'use strict';
// A fresh PostgreSQL schema for one benchmark run (search_path set through the URL's options),
// and its drop: the benchmarks that compare the catalog against bare SQL on both databases.
const crypto = require('node:crypto');
const path = require('node:path');
const { URL } = require('node:url');

/** `{url, drop}` of a new schema `<prefix>_<pid>_<random>` on `databaseUrl`. */
async function freshBenchSchema(databaseUrl, prefix, root) {
  const pg = require(path.join(root, 'node_modules', 'pg'));
  const schema = `${prefix}_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  const admin = async (sql) => {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`create schema ${schema}`);
  const u = new URL(databaseUrl);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return { url: u.toString(), drop: () => admin(`drop schema ${schema} cascade`) };
}

module.exports = { freshBenchSchema };
