#!/usr/bin/env node
// Runs the compiled CLI (`npm install` builds it; `npm run build` rebuilds it).
import { main } from '../build/src/cli/main.js'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err) => {
    process.stderr.write(`gatehouse: ${err?.stack ?? err}\n`)
    process.exitCode = 1
  }
)
