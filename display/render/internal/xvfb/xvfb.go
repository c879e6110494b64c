// Package xvfb gives the render tests an X display on machines without a
// screen. Ebiten connects to X in an init function, before TestMain runs, and
// panics when there is no display; so this package does its work in its own
// init. Go initialises packages in the order of their import paths, among
// those whose imports are ready (the spec, "Package initialization", since
// Go 1.21): "eq/..." comes before "github.com/hajimehoshi/ebiten/...", and
// this package imports only the standard library, so its init runs first.
//
// Import it for its effect, from tests only:
//
//	import _ "eq/display/render/internal/xvfb"
package xvfb

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

var cmd *exec.Cmd

func init() {
	if os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "" {
		return
	}
	if err := start(); err != nil {
		fmt.Fprintf(os.Stderr, "render tests: there is no DISPLAY and Xvfb does not start: %v\n"+
			"install Xvfb (apt-get install xvfb, or make deps), or run the tests on a desktop\n", err)
		os.Exit(1)
	}
}

// start starts Xvfb on a free display it chooses itself and points DISPLAY
// at it. Xvfb ends with this process, however it ends.
func start() error {
	path, err := exec.LookPath("Xvfb")
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	c := exec.Command(path, "-displayfd", "3", "-screen", "0", "1920x1080x24", "-nolisten", "tcp")
	c.ExtraFiles = []*os.File{w}
	// Init runs on the main thread, which lives as long as the process.
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	err = c.Start()
	w.Close()
	if err != nil {
		return err
	}
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		got <- strings.TrimSpace(line)
	}()
	select {
	case n := <-got:
		if n == "" {
			c.Process.Kill()
			c.Wait()
			return fmt.Errorf("xvfb exited without a display number")
		}
		os.Setenv("DISPLAY", ":"+n)
	case <-time.After(20 * time.Second):
		c.Process.Kill()
		c.Wait()
		return fmt.Errorf("xvfb did not start in 20 s")
	}
	cmd = c
	return nil
}

// Stop stops the Xvfb this package started, if it started one.
func Stop() {
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
	cmd = nil
}
