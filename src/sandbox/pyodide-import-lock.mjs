// Module-loader hooks for the pyodide child: once the parent side says "lock", every further
// import() fails. Pyodide has loaded what it needs by then; this keeps eval'd JavaScript reachable
// from Python (pyodide's run_js and friends) away from node:net, node:child_process and the rest.
let locked = false;

export async function initialize({ port }) {
  port.on("message", () => {
    locked = true;
  });
  port.unref();
}

export async function resolve(specifier, context, nextResolve) {
  if (locked) throw new Error(`import of '${specifier}' is blocked in the sandbox`);
  return nextResolve(specifier, context);
}
