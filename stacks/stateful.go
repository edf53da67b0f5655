package stacks

import "github.com/garcon/infrastructure/internal/stateful"

// StatefulResourceTypes are the CloudFormation types whose replacement or deletion loses
// data or breaks access to it (internal/stateful). Their logical ids are pinned by a
// test, and the CI guard refuses changes that would replace or delete one.
var StatefulResourceTypes = stateful.Types
