// Notes kept in memory: one execution environment holds them until it is reclaimed.
const notes = []

export const handler = async (event) => {
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {}
  if (event.requestContext.http.method === 'POST') {
    const note = { id: notes.length + 1, author: claims.sub, text: JSON.parse(event.body ?? '{}').text ?? '' }
    notes.push(note)
    return { statusCode: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify(note) }
  }
  return { notes: notes.filter((n) => n.author === claims.sub), app: process.env.APP_NAME }
}
