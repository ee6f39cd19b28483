/** A Core's recorder in a process of its own, for the crash test: prints its ffmpeg pids as JSON lines. */
import {readCoreConfig, readIdentityPem} from '../../src/lib/core/config.js'
import {loadPrivateKey} from '../../src/lib/core/identity.js'
import {CoreRecordings} from '../../src/lib/core/recording/index.js'

const dir = process.argv[2]!
const recordings = new CoreRecordings({dir, identity: loadPrivateKey(readIdentityPem(dir)), backoff: {baseMs: 200, maxMs: 1000}, log: (line) => process.stderr.write(line + '\n')})
await recordings.sync(readCoreConfig(dir))
setInterval(() => process.stdout.write(JSON.stringify(recordings.pids()) + '\n'), 100)
