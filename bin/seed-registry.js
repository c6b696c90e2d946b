#!/usr/bin/env node
// The installed command. Everything lives in the bundled CLI (npm run build), whose syntax needs Node
// 20 (esbuild target node20); package.json engines names the LTS lines it is supported and tested on.
// This file checks the Node version first, in syntax every Node parses (CommonJS by bin/package.json,
// no const, no arrow, no import statement), so an older Node prints one line, not a syntax error.
'use strict';
var NEEDED = 20;
var version = process.versions.node;
if (Number(version.split('.')[0]) < NEEDED) {
  process.stderr.write('seed-registry: needs Node.js ' + NEEDED + ' or newer, this is Node.js ' + version +
    ' (' + process.execPath + '); install a newer Node.js, or use the single executable seed-registry-linux-x64, which needs none\n');
  process.exit(1);
}
var bundle = require('url').pathToFileURL(require('path').join(__dirname, '..', 'dist', 'seed-registry.js')).href;
// The bundle is an ES module; import() sits in a Function body so that old parsers never see it.
new Function('url', 'return import(url)')(bundle).then(function (cli) {
  return cli.main();
});
