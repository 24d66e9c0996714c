// Package testproc holds what the test servers' packages (miniotest,
// pgtest, redistest) share in starting a private server process: a free
// loopback address to give it, and the tail of its log for the message
// when it does not start. It is given nothing but paths and returns
// strings; only test helpers import it.
package testproc
