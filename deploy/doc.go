// Package deploy holds the deployment files of workos-mcp (the replicated stack script, its
// HAProxy, Redis and serve configuration, a docker compose file of the same topology, a systemd
// unit) and the tests that keep them true: the fault test runs the replicated stack, kills and
// restarts replicas under load and takes Redis away; the artifact tests check the Dockerfile
// and the compose file against the release script and the stack's configuration files.
// docs/operations.md explains how to use them.
package deploy
