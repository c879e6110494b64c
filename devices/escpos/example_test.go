package escpos_test

import (
	"fmt"
	"time"

	"eq/devices/escpos"
)

func ExampleTicket() {
	b := escpos.Ticket(escpos.Generic58, escpos.TicketData{
		Office:        "МФЦ «Мои документы»",
		Number:        "А-007",
		Service:       "Регистрация по месту жительства",
		IssuedAt:      time.Date(2025, 3, 5, 9, 14, 0, 0, time.UTC),
		Position:      3,
		PredictedWait: 12 * time.Minute,
		StatusURL:     "https://mfc.local/t/7",
	})
	doc, err := escpos.Decode(b, escpos.PC866)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(doc)
	// Output:
	// init
	// codepage PC866
	// text "МФЦ \"Мои документы\"" center bold
	// newline
	// feed 1
	// text "Ваш номер" center
	// newline
	// text "А-007" center bold 6x6
	// newline
	// text "Регистрация по месту жительства" center bold
	// newline
	// feed 1
	// text "05.03.2025 09:14" center
	// newline
	// text "Перед вами: 2" center
	// newline
	// text "Ожидание: около 12 мин" center
	// newline
	// feed 1
	// qr "https://mfc.local/t/7" model 2 size 5 ecc M center
	// text "Отсканируйте, чтобы следить за" center
	// newline
	// text "очередью" center
	// newline
	// feed 1
	// text "Следите за табло" center
	// newline
	// feed 2
	// cut partial
}

func ExampleEncoder() {
	e := escpos.NewEncoder(escpos.PC866)
	e.Init()
	e.SetCodePage(escpos.PC866)
	e.Bold(true)
	e.Line("Паспорт")
	e.Cut(escpos.PartialCut)
	fmt.Printf("% X\n", e.Bytes())
	// Output:
	// 1B 40 1B 74 11 1B 45 01 8F A0 E1 AF AE E0 E2 0A 1D 56 42 00
}

func ExampleParseStatus() {
	// The printer answered 0x72 to DLE EOT 4 (10 04 04), the paper sensor.
	s, err := escpos.ParseStatus(4, 0x72)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.PaperEnd, s.OK())
	fmt.Println(s)
	// Output:
	// true false
	// нет бумаги (paper end)
}
