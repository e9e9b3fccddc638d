// Shared options live in the root .mocharc.json (mocha's "extends" does not merge them); this file adds the spec.
module.exports = { ...require("../../.mocharc.json"), spec: ["dist/test/**/*.test.js"] };
