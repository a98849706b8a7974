// Where the chat keeps its connection ids. AWS's sample uses a DynamoDB table; here it is a
// directory under the OS temporary directory, one per API and stage, with one empty file per
// connection (named after its id). Each function may run in several execution environments
// at once, so nothing lives in module memory, and no file is ever read, changed and written
// back: creating, deleting and listing files are single atomic operations, so two $connect
// calls running at the same moment cannot lose each other's ids.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

function directoryOf({ apiId, stage }) {
  return join(tmpdir(), 'gatehouse-chat', `${encodeURIComponent(apiId)}-${encodeURIComponent(stage)}`)
}

export async function addConnection(requestContext) {
  const dir = directoryOf(requestContext)
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, encodeURIComponent(requestContext.connectionId)), '')
}

export async function removeConnection(requestContext, connectionId) {
  await rm(join(directoryOf(requestContext), encodeURIComponent(connectionId)), { force: true })
}

export async function listConnections(requestContext) {
  try {
    return (await readdir(directoryOf(requestContext))).map((name) => decodeURIComponent(name))
  } catch (err) {
    if (err.code === 'ENOENT') return []
    throw err
  }
}
