package sound

// What each fragment says, per language. A letter is read by its name:
// Russian names for Cyrillic letters and for Latin ones (P is "пэ", as a
// Russian reads a Latin P aloud); in English a Cyrillic letter is read as
// its Latin transliteration (П is "P"), a Latin letter by its English name.
var letterNames = map[rune][2]string{ // ru, en
	'А': {"а", "A"},
	'Б': {"бэ", "B"},
	'В': {"вэ", "V"},
	'Г': {"гэ", "G"},
	'Д': {"дэ", "D"},
	'Е': {"е", "E"},
	'Ё': {"ё", "Yo"},
	'Ж': {"жэ", "Zh"},
	'З': {"зэ", "Z"},
	'И': {"и", "I"},
	'Й': {"и краткое", "Short I"},
	'К': {"ка", "K"},
	'Л': {"эль", "L"},
	'М': {"эм", "M"},
	'Н': {"эн", "N"},
	'О': {"о", "O"},
	'П': {"пэ", "P"},
	'Р': {"эр", "R"},
	'С': {"эс", "S"},
	'Т': {"тэ", "T"},
	'У': {"у", "U"},
	'Ф': {"эф", "F"},
	'Х': {"ха", "Kh"},
	'Ц': {"цэ", "Ts"},
	'Ч': {"чэ", "Ch"},
	'Ш': {"ша", "Sh"},
	'Щ': {"ща", "Shch"},
	'Ъ': {"твёрдый знак", "Hard sign"},
	'Ы': {"ы", "Y"},
	'Ь': {"мягкий знак", "Soft sign"},
	'Э': {"э", "E"},
	'Ю': {"ю", "Yu"},
	'Я': {"я", "Ya"},

	'A': {"а", "A"},
	'B': {"бэ", "B"},
	'C': {"цэ", "C"},
	'D': {"дэ", "D"},
	'E': {"е", "E"},
	'F': {"эф", "F"},
	'G': {"гэ", "G"},
	'H': {"аш", "H"},
	'I': {"и", "I"},
	'J': {"йот", "J"},
	'K': {"ка", "K"},
	'L': {"эль", "L"},
	'M': {"эм", "M"},
	'N': {"эн", "N"},
	'O': {"о", "O"},
	'P': {"пэ", "P"},
	'Q': {"ку", "Q"},
	'R': {"эр", "R"},
	'S': {"эс", "S"},
	'T': {"тэ", "T"},
	'U': {"у", "U"},
	'V': {"вэ", "V"},
	'W': {"дубль-вэ", "W"},
	'X': {"икс", "X"},
	'Y': {"игрек", "Y"},
	'Z': {"зэт", "Z"},
}

var numberNames = map[int][2]string{ // ru, en
	0:   {"ноль", "zero"},
	1:   {"один", "one"},
	2:   {"два", "two"},
	3:   {"три", "three"},
	4:   {"четыре", "four"},
	5:   {"пять", "five"},
	6:   {"шесть", "six"},
	7:   {"семь", "seven"},
	8:   {"восемь", "eight"},
	9:   {"девять", "nine"},
	10:  {"десять", "ten"},
	11:  {"одиннадцать", "eleven"},
	12:  {"двенадцать", "twelve"},
	13:  {"тринадцать", "thirteen"},
	14:  {"четырнадцать", "fourteen"},
	15:  {"пятнадцать", "fifteen"},
	16:  {"шестнадцать", "sixteen"},
	17:  {"семнадцать", "seventeen"},
	18:  {"восемнадцать", "eighteen"},
	19:  {"девятнадцать", "nineteen"},
	20:  {"двадцать", "twenty"},
	30:  {"тридцать", "thirty"},
	40:  {"сорок", "forty"},
	50:  {"пятьдесят", "fifty"},
	60:  {"шестьдесят", "sixty"},
	70:  {"семьдесят", "seventy"},
	80:  {"восемьдесят", "eighty"},
	90:  {"девяносто", "ninety"},
	100: {"сто", "one hundred"},
	200: {"двести", "two hundred"},
	300: {"триста", "three hundred"},
	400: {"четыреста", "four hundred"},
	500: {"пятьсот", "five hundred"},
	600: {"шестьсот", "six hundred"},
	700: {"семьсот", "seven hundred"},
	800: {"восемьсот", "eight hundred"},
	900: {"девятьсот", "nine hundred"},
}

var phraseNames = map[string][2]string{ // ru, en
	FragmentChime:  {"(сигнал)", "(chime)"},
	FragmentAgain:  {"повторно", "again"},
	FragmentTicket: {"талон", "ticket"},
	FragmentWindow: {"окно номер", "window number"},
}

// texts maps a language to each fragment name and what it says.
var texts = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	for i, lang := range Languages {
		m := map[string]string{}
		for name, t := range phraseNames {
			m[name] = t[i]
		}
		for r, t := range letterNames {
			m[letterFragment(r)] = t[i]
		}
		for n, t := range numberNames {
			m[numFragment(n)] = t[i]
		}
		out[lang] = m
	}
	return out
}()
