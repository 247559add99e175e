// Node.js side of the cold benchmarks (bench/cold/run.sh).
const mode = process.argv[2];
const n = 100000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const yieldOnce = () => new Promise((r) => setImmediate(r));
async function main() {
  if (mode === 'idle') await sleep(2000);
  else if (mode === 'sleepers') {
    const ps = [];
    for (let i = 0; i < n; i++) ps.push(sleep(Math.random() * 1000));
    await Promise.all(ps);
  } else if (mode === 'spawn') {
    const ps = [];
    for (let i = 0; i < n; i++) ps.push((async () => { await yieldOnce(); return 1; })());
    for (const p of ps) await p;
  }
}
const start = process.hrtime.bigint();
main().then(() => console.log(`${mode}: ${(Number(process.hrtime.bigint() - start) / 1e9).toFixed(3)} s wall`));
