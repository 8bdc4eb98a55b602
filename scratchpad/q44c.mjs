await import("./q44.mjs")
console.log("gets", globalThis.__gets, "avg want", (globalThis.__want / globalThis.__gets).toFixed(1), "puts(posts)", globalThis.__puts)
