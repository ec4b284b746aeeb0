'use strict';
// Command-line options of the benchmarks: `--name value`; a bad number exits 2.

/** Options of argv (process.argv.slice(2)): opt(name, default) and positive(name, default). */
function benchOptions(argv) {
  const opt = (name, dflt) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  const positive = (name, dflt) => {
    const n = Number(opt(name, dflt));
    if (!Number.isInteger(n) || n < 1) {
      process.stderr.write(`bench: --${name} needs a positive integer\n`);
      process.exit(2);
    }
    return n;
  };
  return { opt, positive };
}

module.exports = { benchOptions };
