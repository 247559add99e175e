// Node: one "task" yielding with setImmediate N times (ns per yield), and
// 100,000 async functions that each yield once (ns per task).
const N = 1_000_000;
const yieldOnce = () => new Promise((r) => setImmediate(r));
async function main() {
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await yieldOnce();
  console.log(`node setImmediate: ${Number(process.hrtime.bigint() - t0) / N} ns/yield`);
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    t0 = process.hrtime.bigint();
    const ps = [];
    for (let i = 0; i < 100000; i++) ps.push((async () => { await yieldOnce(); })());
    for (const p of ps) await p;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 100000);
  }
  console.log(`node spawn+await: ${best.toFixed(0)} ns/task`);
}
main();
