// Package statetest holds the behaviour tests every state.Store
// implementation must pass. Each implementation's tests call RunStoreSuite
// with a function that opens a store on a fresh database.
package statetest
