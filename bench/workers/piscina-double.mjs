// piscina's task file for bench/pool.js: the default export is the task (x => x * 2).
export default (x) => x * 2
