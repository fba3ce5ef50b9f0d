// The AMD loader NetSuite runs SuiteScript 2.x with: each script calls define() with the N/ modules it
// needs. The factory's parameters are typed by JSDoc in the scripts (@param {import('N/search')} ...).
declare function define(dependencies: string[], factory: (...modules: any[]) => object): void;
