package escpos

import "time"

// msk is a fixed zone, so the tests need no time zone database.
var msk = time.FixedZone("MSK", 3*60*60)

func sampleTicket() TicketData {
	return TicketData{
		Office:        "МФЦ «Мои документы» — Центральный",
		Number:        "П-042",
		Service:       "Выдача и замена паспорта гражданина Российской Федерации",
		IssuedAt:      time.Date(2025, 3, 5, 9, 14, 0, 0, msk),
		Position:      4,
		PredictedWait: 17*time.Minute + 20*time.Second,
		StatusURL:     "https://mfc.local/t/3f9a2c",
		Lang:          "ru",
	}
}

func sampleReceipt() ReceiptData {
	return ReceiptData{
		Office:    "МФЦ «Мои документы» — Центральный",
		Number:    "П-042",
		Date:      time.Date(2025, 3, 5, 9, 40, 0, 0, msk),
		Applicant: "Иванов Иван Иванович",
		Contacts:  "+7 (900) 123-45-67, ivanov@example.ru",
		Service:   "Выдача и замена паспорта гражданина Российской Федерации",
		Documents: []string{
			"Заявление о выдаче (замене) паспорта по форме № 1П — оригинал, 1 экз.",
			"Паспорт гражданина РФ, подлежащий замене — оригинал",
			"Свидетельство о рождении — оригинал",
			"Фотографии 35×45 мм — 2 шт.",
			"Квитанция об уплате государственной пошлины",
		},
		Worker:         "Петрова Анна Сергеевна",
		WorkerPosition: "Ведущий специалист",
		Lang:           "ru",
	}
}
