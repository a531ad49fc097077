import { resolve } from 'node:path'

/**
 * Runs a server script (the first argument) in this very process, so that its pid is the
 * server's own for CPU accounting, and stops it when the bench that started it goes away,
 * however that happens: the bench holds the write end of this process's stdin, and the kernel
 * closes it when the bench exits, even on SIGKILL. SIGTERM is the server's usual way out.
 */
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'))
process.stdin.resume()
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(resolve(process.argv[2]))
