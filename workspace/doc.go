// Package workspace is the workspace MCP server: it lets an agent read and change a WorkOS
// workspace as the signed-in person, and no more.
//
// Every tool call goes through one pipeline, in this order: the team's enabled switch, the
// environment (sandbox unless named), the person's role, the team's write switch, the
// operation's class (irreversible operations need a confirmation), execution with the
// environment's API key, redaction of the answer, and a record of what happened (a log line and
// an audit-log event in the team's own WorkOS environment). Task tools compose catalog
// operations through the same pipeline, never around it.
//
// Where each step lives: tools.go (the tool inventory; every handler identifies the person
// first), policy.go (decide, a pure function: enabled, environment, role, write switch, refused
// fields, confirmation; pinned by the tables in testdata/policy), pipeline.go (prepare: the
// policy and parameter validation; perform: execution, redaction, record), confirm.go (irreversible
// operations: sealed tokens, form elicitation), target.go (what an irreversible operation would
// destroy), core.go (whoami, list_operations, query, mutate), tasks.go (the task tools) and
// prompts.go (prompts that walk an agent through a job with those tools).
//
// The transport is stateless Streamable HTTP, so that replicas need no sticky sessions; the
// only shared state is the set of used confirmation tokens ([UsedTokens]).
package workspace
