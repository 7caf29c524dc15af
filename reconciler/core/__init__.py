"""The pure core: what a resource is, what it should be, and what to do about it.

No I/O, no service client, no clock of its own (time is passed in). Modules: `model` (the resources),
`naming` (job names, the idempotency key), `delta` (spec vs job comparison; the only deepdiff user),
`decide` (observation -> action), `followup` (what follows a call SageMaker refused), `tracking`
(which job a resource tracks, where its calls go, what moved), `events` (which changes are Events),
`reasons` (the Stalled reasons), `status` (status and conditions from an outcome), `policy`
(role/endpoint allow-lists), `outcomes` (per-resource results and the pass report), `calls` (API call
counting), `settings` (the frozen run configuration). See docs/architecture.md.
"""
