#!/usr/bin/env node
// `npm create byok` installs the package named create-byok and runs this bin: it is `byok create`.
import 'byok/create-byok'
