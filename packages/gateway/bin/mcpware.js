#!/usr/bin/env node
// The `mcpware` command. A file of its own (not dist/bin.js) so that it exists before the first build: package
// managers link the command when the workspace is installed, and warn when its target is missing.
import "../dist/bin.js";
