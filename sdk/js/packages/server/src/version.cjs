"use strict";
// The package's version, sent in the User-Agent (kept equal to package.json's by the tests).
module.exports = { VERSION: "0.1.0" };
