package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"eq/configs"
	"eq/devices/escpos"
	"eq/devices/printer"
	"eq/kiosk"
)

// printerSpec is one printer to open: from the office config, or from
// `eq printer` flags.
type printerSpec struct {
	configs.Printer
}

// transport builds the printer's connection; a virtual printer's folder is
// taken relative to dataDir, so the demo's tickets land beside its database.
func (p printerSpec) transport(dataDir string) (printer.Transport, string, escpos.Profile, error) {
	profile, ok := escpos.ProfileByName(p.Model)
	if !ok {
		return nil, "", profile, fmt.Errorf("принтер %s: неизвестная модель %q (unknown model)", p.ID, p.Model)
	}
	cp, err := escpos.ParseCodePage(p.CodePage)
	if err != nil {
		return nil, "", profile, fmt.Errorf("принтер %s: %w", p.ID, err)
	}
	profile.CodePage = cp
	switch p.Transport {
	case configs.TransportVirtual:
		dir := p.Dir
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(dataDir, dir)
		}
		return printer.NewVirtual(printer.VirtualConfig{Dir: dir, Profile: profile}), dir, profile, nil
	case configs.TransportSerial:
		return printer.NewSerial(printer.SerialConfig{Port: p.Port, Baud: p.Baud, Parity: p.Parity}), p.Port, profile, nil
	case configs.TransportTCP:
		return printer.NewTCP(printer.TCPConfig{Address: p.Address}), p.Address, profile, nil
	}
	return nil, "", profile, fmt.Errorf("принтер %s: неизвестное подключение %q (unknown transport)", p.ID, p.Transport)
}

func (p printerSpec) open(dataDir string, log *slog.Logger) (*printer.Printer, string, error) {
	t, target, profile, err := p.transport(dataDir)
	if err != nil {
		return nil, "", err
	}
	pr := printer.New(t, profile, printer.WithName(p.ID), printer.WithLogger(log), printer.WithPollInterval(15*time.Second))
	return pr, target, nil
}

// openStations builds the kiosks' printers of cfg.
func openStations(cfg *configs.Config, dataDir string, log *slog.Logger) ([]*kiosk.Station, error) {
	var out []*kiosk.Station
	for _, p := range cfg.Printers {
		pr, target, err := printerSpec{p}.open(dataDir, log.With("device", p.ID))
		if err != nil {
			return nil, err
		}
		out = append(out, &kiosk.Station{ID: p.ID, KioskToken: p.KioskToken, Transport: p.Transport, Target: target, Printer: pr})
	}
	return out, nil
}
