#!/usr/bin/env node
// Regenerates src/ledger/schema.snapshot.sql from the migrations (run after adding one).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { openLedger, schemaSql } = require('../dist/src/ledger/db');
const db = openLedger(':memory:', { nowMs: 0 });
fs.writeFileSync(path.join(__dirname, '..', 'src', 'ledger', 'schema.snapshot.sql'), schemaSql(db));
db.close();
