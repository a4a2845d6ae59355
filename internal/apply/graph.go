package apply

import (
	"fmt"
	"sort"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
)

// edge says that node to waits for the node holding the edge. A hard edge
// passes failure on: when the dependency fails or is skipped, to is skipped.
type edge struct {
	to   int
	hard bool
}

// node is one operation in the dependency graph.
type node struct {
	op         *diff.Operation
	lane       string
	pending    int    // dependencies not yet finished
	dependents []edge // nodes waiting for this one
	doomed     string // why it will be skipped once its dependencies finish
	doomStatus string // the outcome it then gets: skipped, or pending
	done       bool
	started    bool
	// carries, for a CreateUser, are the nodes of the memberships that
	// travel with it (diff.Operation.WithCreate); sent are those whose
	// group id the create was sent with.
	carries []int
	sent    []int
	// carried marks a membership made by its user's create: it finishes
	// as applied with no call.
	carried bool
}

// target names an operation's object as checkpoints do: the login, the
// group name, or "group/login" for a membership.
func target(op *diff.Operation) string {
	switch op.Action {
	case diff.AssignAppGroup, diff.UnassignAppGroup:
		return op.App + "/" + op.Group
	case diff.AssignAppUser, diff.UnassignAppUser:
		return op.App + "/" + op.Login
	case diff.AddMember, diff.RemoveMember:
		return op.Group + "/" + op.Login
	case diff.CreateGroup, diff.UpdateGroup, diff.DeleteGroup:
		return op.Group
	}
	return op.Login
}

// userKey identifies an operation's user: its login, or its id when the
// operation names no login.
func userKey(op *diff.Operation) string {
	if op.Login == "" && op.UserID != "" {
		return "id:" + op.UserID
	}
	return directory.LoginKey(op.Login)
}

func isUserOp(a diff.Action) bool {
	switch a {
	case diff.CreateUser, diff.UpdateUser, diff.ActivateUser, diff.ReactivateUser,
		diff.UnsuspendUser, diff.SuspendUser, diff.DeactivateUser, diff.DeleteUser:
		return true
	}
	return false
}

func isGroupOp(a diff.Action) bool {
	return a == diff.CreateGroup || a == diff.UpdateGroup || a == diff.DeleteGroup
}

func isMembership(a diff.Action) bool { return a == diff.AddMember || a == diff.RemoveMember }

func isAppGroupOp(a diff.Action) bool { return a == diff.AssignAppGroup || a == diff.UnassignAppGroup }

func isAppUserOp(a diff.Action) bool { return a == diff.AssignAppUser || a == diff.UnassignAppUser }

// buildGraph orders the plan's operations by Seq and links each to the
// operations it must wait for. laneOf assigns each operation its lane.
func buildGraph(ops []diff.Operation, laneOf func(diff.Action) string) ([]*node, error) {
	nodes := make([]*node, len(ops))
	for i := range ops {
		nodes[i] = &node{op: &ops[i], lane: laneOf(ops[i].Action)}
	}
	sort.SliceStable(nodes, func(i, j int) bool { return nodes[i].op.Seq < nodes[j].op.Seq })
	for i := 1; i < len(nodes); i++ {
		if nodes[i].op.Seq == nodes[i-1].op.Seq {
			return nil, fmt.Errorf("plan has two operations with seq %d", nodes[i].op.Seq)
		}
	}

	link := func(from, to int, hard bool) {
		nodes[from].dependents = append(nodes[from].dependents, edge{to: to, hard: hard})
		nodes[to].pending++
	}

	lastUser := map[string]int{}       // LoginKey -> latest user operation so far, updates aside
	lastUpdate := map[string]int{}     // LoginKey -> its UpdateUser, once seen
	lastGroup := map[string]int{}      // GroupKey -> latest group operation so far
	createUser := map[string]int{}     // LoginKey -> its CreateUser
	createGroup := map[string]int{}    // GroupKey -> its CreateGroup
	userMembers := map[string][]int{}  // LoginKey -> memberships so far
	groupMembers := map[string][]int{} // GroupKey -> memberships so far
	for i, n := range nodes {
		op := n.op
		lk, gk := userKey(op), directory.GroupKey(op.Group)
		switch {
		case isUserOp(op.Action):
			if op.Action == diff.CreateUser {
				createUser[lk] = i
			}
			// A user's operations run in plan order (create, activate,
			// update, suspend, deactivate, …), each waiting for the one
			// before. A failed profile update holds back nothing: what
			// follows it waits for it softly and hangs on the lifecycle
			// operation before it.
			if prev, ok := lastUser[lk]; ok {
				link(prev, i, true)
			}
			if u, ok := lastUpdate[lk]; ok {
				link(u, i, false)
			}
			if op.Action == diff.UpdateUser {
				lastUpdate[lk] = i
			} else {
				lastUser[lk] = i
				delete(lastUpdate, lk)
			}
			if op.Action == diff.DeleteUser {
				for _, m := range userMembers[lk] {
					link(m, i, false)
				}
			}
		case isGroupOp(op.Action):
			if op.Action == diff.CreateGroup {
				createGroup[gk] = i
			}
			if prev, ok := lastGroup[gk]; ok {
				link(prev, i, true)
			}
			lastGroup[gk] = i
			if op.Action == diff.DeleteGroup {
				for _, m := range groupMembers[gk] {
					link(m, i, false)
				}
			}
		case isMembership(op.Action):
			userMembers[lk] = append(userMembers[lk], i)
			groupMembers[gk] = append(groupMembers[gk], i)
		case isAppGroupOp(op.Action):
			// After the group's create; before its delete, softly.
			if c, ok := createGroup[gk]; ok {
				link(c, i, true)
			}
			groupMembers[gk] = append(groupMembers[gk], i)
		case isAppUserOp(op.Action):
			// After the user's create or reactivation, which come
			// earlier in the plan; before its delete, softly.
			if prev, ok := lastUser[lk]; ok {
				link(prev, i, true)
			}
			userMembers[lk] = append(userMembers[lk], i)
		}
	}
	linkManagers(nodes, createUser, link)
	linkMemberships(nodes, createUser, createGroup, link)
	return nodes, nil
}

// linkManagers makes manager links wait for the creates of both users,
// wherever those sit in the plan.
func linkManagers(nodes []*node, createUser map[string]int, link func(from, to int, hard bool)) {
	for i, n := range nodes {
		if a := n.op.Action; a != diff.SetManager && a != diff.ClearManager {
			continue
		}
		if c, ok := createUser[userKey(n.op)]; ok {
			link(c, i, true)
		}
		if c, ok := createUser[directory.LoginKey(n.op.Manager)]; ok && n.op.Manager != "" {
			link(c, i, true)
		}
	}
}

// linkMemberships makes memberships wait for the creates of their user and
// group wherever those sit in the plan. A user's create that carries
// memberships waits for the creates of their groups, to send their ids;
// softly, since a group that could not be created leaves the user to be
// created still.
func linkMemberships(nodes []*node, createUser, createGroup map[string]int, link func(from, to int, hard bool)) {
	for i, n := range nodes {
		if !isMembership(n.op.Action) {
			continue
		}
		cu, hasCU := createUser[userKey(n.op)]
		cg, hasCG := createGroup[directory.GroupKey(n.op.Group)]
		if hasCU {
			link(cu, i, true)
		}
		if hasCG {
			link(cg, i, true)
		}
		if hasCU && n.op.Action == diff.AddMember && n.op.WithCreate && len(nodes[cu].carries) < diff.MaxCreateGroups {
			nodes[cu].carries = append(nodes[cu].carries, i)
			if hasCG {
				link(cg, cu, false)
			}
		}
	}
}
