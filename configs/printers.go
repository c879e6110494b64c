package configs

import (
	"net"
	"strconv"
)

// Printer is a ticket printer of a kiosk, as configured. Exactly one of the
// transports is set: Dir (virtual), Port (serial) or Address (TCP).
type Printer struct {
	ID         string
	KioskToken string // tickets issued with this kiosk token print here
	Model      string // a profile name: generic80, generic58
	CodePage   string // pc866 or wpc1251
	Transport  string // virtual, serial or tcp

	Dir     string // virtual: the folder for .bin and .png files; relative to the data folder
	Port    string // serial: /dev/ttyUSB0, COM3
	Baud    int    // serial
	Parity  string // serial: none, even, odd
	Address string // tcp: host:port, usually port 9100
}

// Printer transports and their defaults.
const (
	TransportVirtual = "virtual"
	TransportSerial  = "serial"
	TransportTCP     = "tcp"
	defaultBaud      = 19200
	defaultModel     = "generic80"
	defaultCodePage  = "pc866"
)

type printerEntry struct {
	ID         string        `yaml:"id"`
	KioskToken string        `yaml:"kiosk_token"`
	Model      string        `yaml:"model"`    // default generic80
	CodePage   string        `yaml:"codepage"` // default pc866
	Virtual    *virtualEntry `yaml:"virtual"`
	Serial     *serialEntry  `yaml:"serial"`
	TCP        *tcpEntry     `yaml:"tcp"`
}

type virtualEntry struct {
	Dir string `yaml:"dir"`
}

type serialEntry struct {
	Port   string `yaml:"port"`
	Baud   *int   `yaml:"baud"`   // default 19200
	Parity string `yaml:"parity"` // default none
}

type tcpEntry struct {
	Address string `yaml:"address"`
}

var (
	printerModels = map[string]bool{"generic80": true, "generic58": true}
	codePages     = map[string]bool{"pc866": true, "wpc1251": true}
	parities      = map[string]bool{"": true, "none": true, "even": true, "odd": true}
	bauds         = map[int]bool{2400: true, 4800: true, 9600: true, 19200: true, 38400: true, 57600: true, 115200: true}
)

// checkPrinters checks the printers against the kiosk tokens they serve.
func (d *decoder) checkPrinters(printers []printerEntry, dev *devicesSection) {
	kiosks := map[string]bool{}
	for _, tok := range dev.KioskTokens {
		kiosks[tok] = true
	}
	ids := map[string]string{}
	byToken := map[string]string{}
	for i, p := range printers {
		path := index("printers", i)
		d.id(path+".id", p.ID, ids)
		if d.required(path+".kiosk_token", p.KioskToken) {
			switch {
			case !kiosks[p.KioskToken]:
				d.problemf(path+".kiosk_token", "токен «%s» не указан в devices.kiosk_tokens", "token %q is not in devices.kiosk_tokens", p.KioskToken)
			case byToken[p.KioskToken] != "":
				d.problemf(path+".kiosk_token", "у этого киоска уже есть принтер (%s)", "this kiosk already has a printer (%s)", byToken[p.KioskToken])
			default:
				byToken[p.KioskToken] = path
			}
		}
		if p.Model != "" && !printerModels[p.Model] {
			d.problemf(path+".model", "неизвестная модель «%s»: generic80 или generic58", "unknown model %q: generic80 or generic58", p.Model)
		}
		if p.CodePage != "" && !codePages[p.CodePage] {
			d.problemf(path+".codepage", "неизвестная кодовая страница «%s»: pc866 или wpc1251", "unknown code page %q: pc866 or wpc1251", p.CodePage)
		}
		n := 0
		for _, set := range []bool{p.Virtual != nil, p.Serial != nil, p.TCP != nil} {
			if set {
				n++
			}
		}
		if n != 1 && !d.anyBad(path) {
			d.problemf(path, "укажите ровно одно подключение: virtual, serial или tcp", "give exactly one connection: virtual, serial or tcp")
		}
		switch {
		case p.Virtual != nil:
			d.required(path+".virtual.dir", p.Virtual.Dir)
		case p.Serial != nil:
			d.required(path+".serial.port", p.Serial.Port)
			if p.Serial.Baud != nil && !bauds[*p.Serial.Baud] {
				d.problemf(path+".serial.baud", "скорость %d не поддерживается: 9600, 19200, 38400, 57600 или 115200", "baud %d is not supported: 9600, 19200, 38400, 57600 or 115200", *p.Serial.Baud)
			}
			if !parities[p.Serial.Parity] {
				d.problemf(path+".serial.parity", "чётность «%s»: none, even или odd", "parity %q: none, even or odd", p.Serial.Parity)
			}
		case p.TCP != nil:
			if d.required(path+".tcp.address", p.TCP.Address) {
				host, port, err := net.SplitHostPort(p.TCP.Address)
				if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
					d.problemf(path+".tcp.address", "адрес «%s» должен быть вида хост:порт, например 10.0.0.50:9100", "address %q must be host:port, e.g. 10.0.0.50:9100", p.TCP.Address)
				}
			}
		}
	}
}

func buildPrinters(entries []printerEntry) []Printer {
	out := make([]Printer, 0, len(entries))
	for _, e := range entries {
		p := Printer{ID: e.ID, KioskToken: e.KioskToken, Model: e.Model, CodePage: e.CodePage}
		if p.Model == "" {
			p.Model = defaultModel
		}
		if p.CodePage == "" {
			p.CodePage = defaultCodePage
		}
		switch {
		case e.Virtual != nil:
			p.Transport, p.Dir = TransportVirtual, e.Virtual.Dir
		case e.Serial != nil:
			p.Transport, p.Port, p.Baud, p.Parity = TransportSerial, e.Serial.Port, defaultBaud, e.Serial.Parity
			if e.Serial.Baud != nil {
				p.Baud = *e.Serial.Baud
			}
			if p.Parity == "" {
				p.Parity = "none"
			}
		case e.TCP != nil:
			p.Transport, p.Address = TransportTCP, e.TCP.Address
		}
		out = append(out, p)
	}
	return out
}
