// Shared options live in the root .mocharc.json (mocha's "extends" does not merge them); this file adds the spec
// and the setup that keeps tests out of the user's folders.
module.exports = {
  ...require("../../.mocharc.json"),
  require: ["dist/test/setup/userFolders.js"],
  spec: ["dist/test/**/*.test.js"],
};
